"""Supply: the supply-plan LP, its gaps, inventory policy, lanes and supplier scorecards."""
