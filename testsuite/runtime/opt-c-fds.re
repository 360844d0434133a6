iterations=10 .*
fd=3:10
