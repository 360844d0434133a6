iterations=700 .*
child count=700 sum=700
parent count=700 sum=700
