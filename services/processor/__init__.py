"""The processor: a faust-streaming worker folding docket events into case states."""
