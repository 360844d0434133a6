iterations=1 .*
task=0 user=-1
