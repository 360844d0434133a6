iterations=100 .*
forks=1 distinct=1 parent=1
