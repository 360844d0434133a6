iterations=10 .*
calls=10 args ok=10 return ok=10
cannot access function args in this context
