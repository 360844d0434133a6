iterations=300 .*
kernel\.trace\("syscalls:sys_enter_getppid"\) 300
kernel\.trace\("syscalls:sys_exit_getppid"\) 300
