iterations=100 .*
kernel\.function\("vfs_read"\)
