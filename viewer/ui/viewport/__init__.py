"""Viewports and what they draw: the image, corner text, AI layer, measurements, grid, linking, MPR."""
