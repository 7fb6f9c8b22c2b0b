"""Readers of the political-science alliance datasets (COW, ATOP) and their crosswalks."""
