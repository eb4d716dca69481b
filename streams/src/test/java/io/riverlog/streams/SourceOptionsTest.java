package io.riverlog.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

class SourceOptionsTest {

    @Test
    void defaultsComeFromTheStreamsBlockOfApplicationConf() {
        SourceOptions options = SourceOptions.fromConfig(ConfigFactory.load());

        assertThat(options).isEqualTo(new SourceOptions(1024 * 1024, Duration.ofMillis(500), Duration.ofSeconds(10),
                true));
    }

    @Test
    void onlyAFollowingStreamWaitsAtTheTailAndItsReadsMayTakeThatMuchLonger() {
        SourceOptions following = new SourceOptions(1024, Duration.ofMillis(500), Duration.ofSeconds(10), true);
        SourceOptions notFollowing = following.withFollow(false);

        assertThat(following.readWait()).isEqualTo(Duration.ofMillis(500));
        assertThat(following.readTimeout()).isEqualTo(Duration.ofMillis(10_500));
        assertThat(notFollowing.readWait()).isZero();
        assertThat(notFollowing.readTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void optionsThatWouldStallOrSpinAreRejected() {
        SourceOptions valid = SourceOptions.fromConfig(ConfigFactory.load());

        assertThatThrownBy(() -> valid.withMaxBytesPerRead(0)).hasMessageContaining("max bytes per read");
        assertThatThrownBy(() -> valid.withMaxWaitAtTail(Duration.ZERO)).hasMessageContaining("max wait");
        assertThatThrownBy(() -> valid.withAskTimeout(Duration.ZERO)).hasMessageContaining("ask timeout");
        assertThatThrownBy(() -> StartOffset.at(-1)).hasMessageContaining("never negative");
    }
}
