iterations=1000 .*
enters=1000 exits=1000
