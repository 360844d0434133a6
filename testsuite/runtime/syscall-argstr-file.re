iterations=3 .*
openat\(AT_FDCWD, "/etc/hostname", O_RDONLY\)
openat = [0-9]+ fd_ok=1
pread\([0-9]+, 0x[0-9a-f]+, 64, 0\) fd_ok=1
pread = [0-9]+
pread\([0-9]+, 0x[0-9a-f]+, 64, 0\) fd_ok=1
pread = [0-9]+
pread\([0-9]+, 0x[0-9a-f]+, 64, 0\) fd_ok=1
pread = [0-9]+
write\(1, 0x[0-9a-f]+, [0-9]+\)
close\([0-9]+\) same=1
