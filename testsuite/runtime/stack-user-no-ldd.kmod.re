usymname=0x[0-9a-f]{16} umodname=libc\.so\.6
usymdata=0x[0-9a-f]{16} \[/.*libc\.so\.6\]
