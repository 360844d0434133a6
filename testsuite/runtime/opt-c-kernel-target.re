iterations=10 .*
same:1
