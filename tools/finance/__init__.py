"""Finance: the plan in money, variances, key metrics and gap resolution by what-if re-plans."""
