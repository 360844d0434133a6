iterations=1 .*
file=0x[0-9a-f]+ buf=0x[0-9a-f]+ count=0x40 pos=0x[0-9a-f]+
return=0x40
vfs_read same=1
