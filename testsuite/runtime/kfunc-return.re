iterations=100 .*
returns=100 ok=100
