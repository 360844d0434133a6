iterations=1 .*
