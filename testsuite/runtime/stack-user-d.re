usymname=(__GI_|__)?getppid umodname=libc\.so\.6
usymdata=(__GI_|__)?getppid\+0x0/0x[0-9a-f]+ \[/.*libc\.so\.6\]
