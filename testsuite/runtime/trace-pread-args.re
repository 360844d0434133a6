iterations=500 .*
fds=1 valid=1
pos=0:500
n=500
