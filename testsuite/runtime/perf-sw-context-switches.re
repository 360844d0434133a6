iterations=2000 .*
fired:1
