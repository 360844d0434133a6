iterations=200000 .*
Cannot determine kernel module name
kernel|tapir_[0-9a-f]+
