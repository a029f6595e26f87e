print("backfill: under construction")
