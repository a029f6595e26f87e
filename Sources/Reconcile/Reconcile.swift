// Reconcile: table diff, causes, cutover reports (see README).
