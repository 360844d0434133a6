iterations=3 .*
n=3 sum=126 fd=1 dflt=7
