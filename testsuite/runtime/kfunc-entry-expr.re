iterations=100 .*
returns=100 entry-saw-n=100 later=100 comm=file_read_loop! pos=100 chain=100 ix=100
