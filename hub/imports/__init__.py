"""Imports a hub administrator runs: historical calls, hospital activity, sites."""
