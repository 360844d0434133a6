iterations=1 .*
/etc/passwd
/etc
<unavailable> <n2>
<warn> \|
