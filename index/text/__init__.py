"""index/text"""
