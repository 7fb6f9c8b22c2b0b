"""Panels for political scientists: state-year and dyad-year tables, portfolio similarity."""
