iterations=100 .*
calls=100 bytes=6400
file_read_loop.: 100
