"""What every AWS call to the local stack goes through: SigV4, IAM, botocore's models and
error shapes.
"""
