iterations=2 .*
iterations=3 .*
forked 5
target 2
stp_pid is the parent: 1
tapir itself in the set: 0
target set:
