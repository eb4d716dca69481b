"""Produces 300 records to a 3-partition topic, then consumes them in a consumer group with
cooperative rebalancing and commits; prints the number consumed and the committed offsets' sum.
Usage: python3 confluent_kafka_group.py BOOTSTRAP TOPIC GROUP"""
import sys, time
from confluent_kafka import Producer, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
bs, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
admin = AdminClient({'bootstrap.servers': bs})
for f in admin.create_topics([NewTopic(topic, 3, 1)]).values():
    f.result()
p = Producer({'bootstrap.servers': bs})
for i in range(300):
    p.produce(topic, value=b'v%d' % i, partition=i % 3)
p.flush(20)
c = Consumer({'bootstrap.servers': bs, 'group.id': group, 'auto.offset.reset': 'earliest',
              'enable.auto.commit': False, 'partition.assignment.strategy': 'cooperative-sticky'})
c.subscribe([topic])
seen = 0
deadline = time.time() + 30
while seen < 300 and time.time() < deadline:
    m = c.poll(1.0)
    if m is not None and m.error() is None:
        seen += 1
c.commit(asynchronous=False)
committed = sum(tp.offset for tp in c.committed([TopicPartition(topic, i) for i in range(3)], timeout=10))
c.close()
print(seen, committed)
