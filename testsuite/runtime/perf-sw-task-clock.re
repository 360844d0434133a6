iterations=3000000 .*
fired:1
