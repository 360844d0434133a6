21 -5
"hello uprobe"
\{\.x=10, \.y=-20, \.next=0x[0-9a-f]+, \.name="first"\}
\{\.x=5, \.y=6, \.next=0x0, \.name="second"\}
