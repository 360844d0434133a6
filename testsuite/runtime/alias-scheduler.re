iterations=100 .*
switched=1 same=1 cpu_off=1 woken=1 forks=1 exits=1
