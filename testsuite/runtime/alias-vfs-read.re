iterations=100 .*
entries=100 reads=100 bytes_read=6400 errors=0
devname=(N/A|[a-z]+[a-z0-9]*) pathname=/(tmp/)?file_read_loop\.[A-Za-z0-9]{6}
