"""Produces 300 records to a 3-partition topic, then consumes them in a consumer group and commits;
prints the number consumed and the committed offsets' sum.
Usage: python3 kafka_python_group.py BOOTSTRAP TOPIC GROUP"""
import sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
bs, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
KafkaAdminClient(bootstrap_servers=bs).create_topics([NewTopic(topic, 3, 1)])
p = KafkaProducer(bootstrap_servers=bs, acks='all')
for i in range(300):
    p.send(topic, value=b'v%d' % i, partition=i % 3)
p.flush()
c = KafkaConsumer(topic, bootstrap_servers=bs, group_id=group, auto_offset_reset='earliest',
                  enable_auto_commit=False, consumer_timeout_ms=20000)
seen = 0
for m in c:
    seen += 1
    if seen == 300:
        break
c.commit()
committed = sum(c.committed(TopicPartition(topic, i)) or 0 for i in range(3))
c.close()
print(seen, committed)
