"""The personal-data access log (个人信息保护法 第五十一条: measures that protect personal data)."""
