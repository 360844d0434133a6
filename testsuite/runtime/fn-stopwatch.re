iterations=3 .*
new: 0 0 0 0
running grows: 1, stopped stays: 1, stopped at 0: 0
kernel stop: 1 1
units: 1 1
deleted: 0
