ioblock.request: 3 bios, 12288 bytes, WWW, 3 placed
ioblock_trace.request: 3, device [a-z]+[a-z0-9]*
