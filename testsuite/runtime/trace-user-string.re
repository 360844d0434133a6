iterations=10 .*
opened=1
