iterations=200000 .*
Cannot determine kernel module name
kernel|bpf
