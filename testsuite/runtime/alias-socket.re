iterations=20 .*
socket\.close             IP LOCAL CONNECTED STREAM flags=: 2
socket\.close             UDP INET UNCONNECTED DGRAM flags=: 2
socket\.close\.return: 4
socket\.create            IP LOCAL STREAM requester=0: 2
socket\.create            UDP INET DGRAM requester=0: 2
socket\.create\.return     INET err=0 success=1: 2
socket\.create\.return     LOCAL err=0 success=1: 2
socket\.read_iter         size=512 IP LOCAL CONNECTED STREAM: 20
socket\.read_iter         size=512 UDP INET UNCONNECTED DGRAM: 20
socket\.read_iter\.return  size=200 UDP INET UNCONNECTED DGRAM success=1: 20
socket\.read_iter\.return  size=70  IP LOCAL CONNECTED STREAM success=1: 20
socket\.receive           size=100 UDP INET UNCONNECTED DGRAM success=1: 20
socket\.receive           size=200 UDP INET UNCONNECTED DGRAM success=1: 40
socket\.receive           size=70  IP LOCAL CONNECTED STREAM success=1: 40
socket\.recvmsg           size=512 IP LOCAL CONNECTED STREAM: 20
socket\.recvmsg           size=512 UDP INET UNCONNECTED DGRAM: 40
socket\.recvmsg\.return    size=100 UDP INET UNCONNECTED DGRAM success=1: 20
socket\.recvmsg\.return    size=200 UDP INET UNCONNECTED DGRAM success=1: 20
socket\.recvmsg\.return    size=70  IP LOCAL CONNECTED STREAM success=1: 20
socket\.send              size=100 UDP INET UNCONNECTED DGRAM success=1: 20
socket\.send              size=200 UDP INET UNCONNECTED DGRAM success=1: 40
socket\.send              size=70  IP LOCAL CONNECTED STREAM success=1: 40
socket\.sendmsg           size=100 UDP INET UNCONNECTED DGRAM: 20
socket\.sendmsg           size=200 UDP INET UNCONNECTED DGRAM: 20
socket\.sendmsg           size=70  IP LOCAL CONNECTED STREAM: 20
socket\.sendmsg\.return    size=100 UDP INET UNCONNECTED DGRAM success=1: 20
socket\.sendmsg\.return    size=200 UDP INET UNCONNECTED DGRAM success=1: 20
socket\.sendmsg\.return    size=70  IP LOCAL CONNECTED STREAM success=1: 20
socket\.write_iter        size=200 UDP INET UNCONNECTED DGRAM: 20
socket\.write_iter        size=70  IP LOCAL CONNECTED STREAM: 20
socket\.write_iter\.return size=200 UDP INET UNCONNECTED DGRAM success=1: 20
socket\.write_iter\.return size=70  IP LOCAL CONNECTED STREAM success=1: 20
INET UDP creates by str2num: 2
