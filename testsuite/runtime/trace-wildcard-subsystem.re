iterations=10 .*
exec=1
