elv_add_request: 3 writes, 12288 bytes, 3 on the queue.s disk
elv_issue_request: 3
elv_completed_request: 3
plug: at least one a write
elevator: (mq-deadline|kyber|bfq|none), disk [0-9]+:[0-9]+
