empty: 0 0 1
ranges: 1 1 1
service >= 0: 1, wait >= service: 1
q: [0-9]+\.[0-9]{3} ops/s, [0-9]+\.[0-9]{3} qlen, [0-9]+ await, [0-9]+ svctm, [0-9]+% wait, [0-9]+% util
q: 0\.000 ops/s, 0\.000 qlen, 0 await, 0 svctm, 0% wait, 0% util
