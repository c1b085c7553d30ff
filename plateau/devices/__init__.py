"""Badge readers and station outputs (gate relay, sounds) behind small interfaces."""
