iterations=300 .*
enter=300 return=300 bad=0
