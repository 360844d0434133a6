iterations=3 .*
hits=3 tgid=3 parent=3 comm=3 first=3 addr=3 size=1
