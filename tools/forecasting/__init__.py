"""Forecasting: the per-series engine, cleansing, hierarchy reconciliation, consensus layers and accuracy."""
