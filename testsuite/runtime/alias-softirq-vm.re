iterations=20000 .*
softirq=1 bad=0 exits=1 work=1 kmalloc=1 bad=0 kfree=1
