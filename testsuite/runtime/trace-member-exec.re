iterations=10 .*
exec=1 p->pid==pid\(\):1 old_pid==target\(\):1
